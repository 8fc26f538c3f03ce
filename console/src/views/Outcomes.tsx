import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api";
import { scoreChart } from "../chart";
import { useSession } from "../context";
import { percent, signed } from "../format";
import { instrumentName } from "../instruments";
import { useLoad } from "../load";
import { download, exportCsv } from "../exports";
import { addDays, dayIn } from "../time";

export interface InstrumentOutcomes {
  instrument: string;
  patients_measured: number;
  by_session: { session: number; patients: number; average_change: number | null }[];
  response_rate: number | null;
  remission_rate: number | null;
  responders?: number;
  remitters?: number;
}

export interface TemplateOutcomes {
  template_id: string;
  name: string;
  planned_sessions: number;
  courses: Record<string, number>;
  instruments: InstrumentOutcomes[];
}

export function Outcomes() {
  const { api, base } = useSession();
  const loaded = useLoad(
    () => api.get<{ instruments: InstrumentOutcomes[]; courses?: TemplateOutcomes[] }>(`${base}/outcomes`),
    [base],
  );
  return (
    <section aria-labelledby="outcomes-title">
      <h1 id="outcomes-title">Outcomes</h1>
      {loaded.loading && <p role="status">Loading…</p>}
      {loaded.error && <p role="alert" class="error">{loaded.error}</p>}
      {loaded.data && loaded.data.instruments.length === 0 && <p>No completed surveys yet.</p>}
      <Exports />
      {(loaded.data?.instruments ?? []).map((outcome) => (
        <InstrumentArticle key={outcome.instrument} outcome={outcome} title={instrumentName(outcome.instrument)} />
      ))}
      {(loaded.data?.courses ?? []).length > 0 && (
        <section aria-labelledby="courses-title" data-testid="course-outcomes">
          <h2 id="courses-title">Treatment courses</h2>
          <p>Session 0 is a course's baseline; session n, the scores after its n-th session.</p>
          {(loaded.data?.courses ?? []).map((template) => (
            <div key={template.template_id} class="course-outcome">
              <h3>
                {template.name} ({template.planned_sessions} session{template.planned_sessions === 1 ? "" : "s"})
              </h3>
              <p>
                {Object.entries(template.courses)
                  .map(([status, count]) => `${count} ${status}`)
                  .join(" · ")}
              </p>
              {template.instruments.length === 0 && <p>No scores yet.</p>}
              {template.instruments.map((outcome) => (
                <InstrumentArticle
                  key={outcome.instrument}
                  outcome={outcome}
                  title={`${template.name}: ${instrumentName(outcome.instrument)}`}
                />
              ))}
            </div>
          ))}
        </section>
      )}
    </section>
  );
}

/** One instrument's outcomes: how many measured, response and remission, the change by session. */
function InstrumentArticle({ outcome, title }: { outcome: InstrumentOutcomes; title: string }) {
  return (
    <article class="outcome" aria-label={title}>
      <h2>{title}</h2>
      <p>
        {outcome.patients_measured} patient{outcome.patients_measured === 1 ? "" : "s"} measured · response{" "}
        {percent(outcome.response_rate)} · remission {percent(outcome.remission_rate)}
      </p>
      <ChangeChart outcome={outcome} title={title} />
      <table class="list">
        <thead>
          <tr>
            <th scope="col">Session</th>
            <th scope="col">Patients</th>
            <th scope="col">Average change from baseline</th>
          </tr>
        </thead>
        <tbody>
          {outcome.by_session.map((row) => (
            <tr key={row.session}>
              <td>{row.session}</td>
              <td>{row.patients}</td>
              <td>{signed(row.average_change)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </article>
  );
}

function ChangeChart({ outcome, title }: { outcome: InstrumentOutcomes; title: string }) {
  const target = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!target.current || outcome.by_session.length === 0) return;
    const chart = scoreChart(
      target.current,
      { x: outcome.by_session.map((row) => row.session), y: outcome.by_session.map((row) => row.average_change) },
      { title: "Average change from baseline, by session", max: 0, bands: [], width: 640, zone: "UTC", sessions: true },
    );
    return () => chart.destroy();
  }, [outcome]);
  return <div ref={target} class="chart" role="img" aria-label={`${title}: average change from baseline by session`} />;
}

/** The chart-review and messages exports (GET .../exports/*.csv), as files. */
function Exports() {
  const { api, base, clinic } = useSession();
  const today = dayIn(clinic.timezone);
  const [from, setFrom] = useState(addDays(today, -90));
  const [to, setTo] = useState(today);
  const [state, setState] = useState<string | null>(null);
  const fetchFile = async (kind: "scores" | "messages") => {
    setState(`Preparing ${kind}.csv…`);
    try {
      const text = await exportCsv(api, `${base}/exports/${kind}.csv`, { from, to });
      download(`${kind}-${from}-to-${to}.csv`, text);
      const rows = Math.max(0, text.trimEnd().split("\n").length - 1);
      setState(`${kind}.csv: ${rows} row${rows === 1 ? "" : "s"}.`);
    } catch (error) {
      setState(error instanceof ApiError ? error.message : String(error));
    }
  };
  return (
    <section aria-labelledby="exports-title" class="exports">
      <h2 id="exports-title">Exports</h2>
      <div class="row">
        <label for="export-from">from</label>
        <input id="export-from" type="date" value={from} onInput={(e) => setFrom((e.target as HTMLInputElement).value)} />
        <label for="export-to">to</label>
        <input id="export-to" type="date" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
        <button type="button" onClick={() => fetchFile("scores")}>
          Scores for a chart review (CSV)
        </button>
        <button type="button" onClick={() => fetchFile("messages")}>
          Messages (CSV)
        </button>
      </div>
      {state && <p role="status">{state}</p>}
    </section>
  );
}
