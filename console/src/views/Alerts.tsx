import { useState } from "preact/hooks";
import { ApiError } from "../api";
import { useSession } from "../context";
import { words } from "../format";
import { useLoad } from "../load";
import { maskPhone } from "../mask";
import { dateTimeIn } from "../time";
import type { Alert } from "../types";

/** Crisis first, then the rest, each newest first. */
export function alertOrder(a: Alert, b: Alert): number {
  return Number(b.kind === "crisis") - Number(a.kind === "crisis") || b.at.localeCompare(a.at);
}

export function Alerts({ alertId }: { alertId: string | null }) {
  const { api, base, clinic } = useSession();
  const open = useLoad(() => api.all<Alert>(`${base}/alerts`, { state: "open", limit: 200 }, 500), [base]);
  const done = useLoad(() => api.get<{ items: Alert[] }>(`${base}/alerts`, { state: "acknowledged", limit: 50 }), [base]);
  const reload = () => {
    open.reload();
    done.reload();
  };
  return (
    <section aria-labelledby="alerts-title">
      <h1 id="alerts-title">Alerts</h1>
      <h2>Open</h2>
      {open.loading && <p role="status">Loading…</p>}
      {open.error && <p role="alert" class="error">{open.error}</p>}
      {open.data && open.data.length === 0 && <p>No open alerts.</p>}
      <ul class="alerts">
        {[...(open.data ?? [])].sort(alertOrder).map((alert) => (
          <OpenAlert key={alert.alert_id} alert={alert} zone={clinic.timezone} highlighted={alert.alert_id === alertId} onDone={reload} />
        ))}
      </ul>
      <h2>Acknowledged</h2>
      {done.data && done.data.items.length === 0 && <p>None yet.</p>}
      <table class="list">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Kind</th>
            <th scope="col">Patient</th>
            <th scope="col">Acknowledged</th>
            <th scope="col">Note</th>
          </tr>
        </thead>
        <tbody>
          {(done.data?.items ?? []).map((alert) => (
            <tr key={alert.alert_id}>
              <td>{dateTimeIn(clinic.timezone, alert.at)}</td>
              <td>{words(alert.kind)}</td>
              <td>
                <a href={`#/patients/${alert.patient_id}`}>{alert.first_name ?? alert.patient_id}</a>
              </td>
              <td>
                {alert.acknowledged_by} {alert.acknowledged_at && `at ${dateTimeIn(clinic.timezone, alert.acknowledged_at)}`}
              </td>
              <td>{alert.note}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function OpenAlert({ alert, zone, highlighted, onDone }: { alert: Alert; zone: string; highlighted: boolean; onDone: () => void }) {
  const { api, base, may } = useSession();
  const [note, setNote] = useState("");
  const [problem, setProblem] = useState<string | null>(null);
  const acknowledge = async (event: Event) => {
    event.preventDefault();
    try {
      await api.post(`${base}/alerts/${alert.alert_id}/acknowledge`, { note: note.trim() });
      onDone();
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
    }
  };
  const noteId = `note-${alert.alert_id}`;
  return (
    <li class={`alert kind-${alert.kind}${highlighted ? " highlighted" : ""}`} data-testid="open-alert">
      <p class="alert-head">
        <strong>{words(alert.kind)}</strong> · {dateTimeIn(zone, alert.at)} ·{" "}
        <a href={`#/patients/${alert.patient_id}`}>{alert.first_name ?? alert.patient_id}</a> {maskPhone(alert.phone)}
      </p>
      {alert.text && <blockquote>{alert.text}</blockquote>}
      <p class="meta">
        Rule: {alert.rule ?? "–"} · escalations: {alert.escalations}
        {alert.escalated_at && ` (last ${dateTimeIn(zone, alert.escalated_at)})`}
      </p>
      {may.has("acknowledge_alert") && (
        <form onSubmit={acknowledge}>
          <label for={noteId}>What was done (required)</label>
          <input id={noteId} value={note} required maxLength={2000} onInput={(e) => setNote((e.target as HTMLInputElement).value)} />
          <button type="submit" disabled={!note.trim()}>
            Acknowledge
          </button>
        </form>
      )}
      {problem && <p role="alert" class="error">{problem}</p>}
    </li>
  );
}
