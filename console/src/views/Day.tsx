import { useState } from "preact/hooks";
import { ApiError } from "../api";
import { useSession } from "../context";
import { words } from "../format";
import { useLoad } from "../load";
import { APPOINTMENT_STATUS, messageSummary, nextStatuses } from "../states";
import { addDays, dateTimeIn, dayIn, longDay, timeIn, type Day as DayText } from "../time";
import type { Appointment, Message } from "../types";

export function Day({ day }: { day: DayText | null }) {
  const { api, clinic, base, go, may } = useSession();
  const shown = day ?? dayIn(clinic.timezone);
  const [problem, setProblem] = useState<string | null>(null);
  // The day's appointments at once (one query), their messages after them (one query each, a
  // hundred appointments a request): a day of 300 is drawn before its messages' states arrive.
  const loaded = useLoad(
    () => api.all<Appointment>(`${base}/appointments`, { from: shown, to: shown, limit: 500 }),
    [shown, clinic.clinic_id],
  );
  const messages = useLoad(async () => {
    const found = await api.all<Appointment>(`${base}/appointments`, {
      from: shown,
      to: shown,
      include: "messages",
      limit: 100,
    });
    return new Map(found.map((appointment) => [appointment.appointment_id, appointment.messages ?? []]));
  }, [shown, clinic.clinic_id]);
  const mark = async (appointment: Appointment, status: string) => {
    setProblem(null);
    try {
      await api.patch(`${base}/appointments/${appointment.appointment_id}`, { status });
      loaded.reload();
      messages.reload();
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
    }
  };
  const appointments = loaded.data ?? [];
  const confirmed = appointments.filter((a) => a.status === "confirmed").length;
  return (
    <section aria-labelledby="day-title">
      <div class="toolbar">
        <button type="button" onClick={() => go(`#/day/${addDays(shown, -1)}`)}>
          ← Previous day
        </button>
        <h1 id="day-title">{longDay(shown)}</h1>
        <button type="button" onClick={() => go(`#/day/${addDays(shown, 1)}`)}>
          Next day →
        </button>
        <button type="button" onClick={() => go("#/day")}>
          Today
        </button>
      </div>
      {loaded.loading && <p role="status">Loading…</p>}
      {loaded.error && <p role="alert" class="error">{loaded.error}</p>}
      {problem && <p role="alert" class="error">{problem}</p>}
      {loaded.data && (
        <p class="summary">
          {appointments.length} appointment{appointments.length === 1 ? "" : "s"}, {confirmed} confirmed (times in{" "}
          {clinic.timezone})
        </p>
      )}
      {loaded.data && appointments.length > 0 && (
        <table class="list" data-testid="day-table">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Patient</th>
              <th scope="col">Status</th>
              <th scope="col">Messages</th>
              <th scope="col">Checklist</th>
              {may.has("manage_patients") && <th scope="col">Mark</th>}
            </tr>
          </thead>
          <tbody>
            {appointments.map((appointment) => (
              <tr key={appointment.appointment_id} data-status={appointment.status}>
                <td>
                  {timeIn(clinic.timezone, appointment.starts_at)} <small>{appointment.duration_minutes} min</small>
                </td>
                <td>
                  <a href={`#/patients/${appointment.patient_id}`}>{appointment.first_name ?? appointment.patient_id}</a>
                </td>
                <td>
                  <span class={`status status-${appointment.status}`}>{APPOINTMENT_STATUS[appointment.status] ?? appointment.status}</span>
                </td>
                <td>
                  {messages.data
                    ? messageSummary(messages.data.get(appointment.appointment_id) ?? []).map((part) => (
                        <span key={part.state} class={part.trouble ? "chip trouble" : "chip"}>
                          {part.count} {words(part.state)}
                        </span>
                      ))
                    : messages.error
                      ? <span class="error">{messages.error}</span>
                      : <span class="muted" title="loading">…</span>}
                </td>
                <td>
                  {appointment.checklist && (
                    <span class={`chip${appointment.checklist === "not_ready" || appointment.checklist === "no_answer" ? " trouble" : ""}`}>
                      {words(appointment.checklist)}
                    </span>
                  )}
                </td>
                {may.has("manage_patients") && (
                  <td>
                    {nextStatuses(appointment.status).map((status) => (
                      <button
                        key={status}
                        type="button"
                        class="small"
                        onClick={() => mark(appointment, status)}
                        aria-label={`Mark ${appointment.first_name ?? "appointment"} at ${timeIn(clinic.timezone, appointment.starts_at)} ${status}`}
                      >
                        {status === "completed" ? "Completed" : "Cancelled"}
                      </button>
                    ))}
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {loaded.data && appointments.length === 0 && <p>No appointments this day.</p>}
      <FailedTexts />
    </section>
  );
}

/** The week's texts that did not reach their patient, whatever day their appointment is. */
function FailedTexts() {
  const { api, base, clinic } = useSession();
  const since = addDays(dayIn(clinic.timezone), -7);
  const failed = useLoad(async () => {
    const lists = await Promise.all(
      ["failed", "undelivered"].map((status) => api.all<Message>(`${base}/messages`, { status, from: since, limit: 100 }, 100)),
    );
    return lists.flat().sort((a, b) => b.at.localeCompare(a.at));
  }, [base, since]);
  if (!failed.data || failed.data.length === 0) return null;
  return (
    <section aria-labelledby="failed-title" data-testid="failed-texts">
      <h2 id="failed-title">Texts that did not go through (since {since})</h2>
      <table class="list">
        <thead>
          <tr>
            <th scope="col">When</th>
            <th scope="col">Patient</th>
            <th scope="col">State</th>
            <th scope="col">Text</th>
          </tr>
        </thead>
        <tbody>
          {failed.data.map((message) => (
            <tr key={message.message_id}>
              <td>{dateTimeIn(clinic.timezone, message.at)}</td>
              <td>
                <a href={`#/patients/${message.patient_id}`}>open patient</a>
              </td>
              <td>
                <span class="chip trouble">{message.status}</span>
                {message.error_code ? ` error ${message.error_code}` : ""}
              </td>
              <td class="sms">{message.body}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
