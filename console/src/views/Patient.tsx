import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api";
import { scoreChart } from "../chart";
import { useSession } from "../context";
import { words } from "../format";
import { INSTRUMENTS, instrumentName } from "../instruments";
import { clinicDefaultLabel, LANGUAGES, languageValue, patientLanguage } from "../language";
import { useLoad } from "../load";
import { maskPhone } from "../mask";
import { dateTimeIn } from "../time";
import type { Message, Outcome, Patient as PatientRecord, Survey } from "../types";

/** Completed surveys of one instrument as chart points, by session. */
export function seriesOf(surveys: Survey[], instrument: string): { x: number[]; y: number[] } {
  const done = surveys
    .filter((s) => s.survey === instrument && s.status === "completed" && s.score !== null)
    .sort((a, b) => a.session_at.localeCompare(b.session_at));
  return { x: done.map((s) => Date.parse(s.session_at) / 1000), y: done.map((s) => s.score as number) };
}

export function Patient({ patientId }: { patientId: string }) {
  const { api, base, clinic, may } = useSession();
  const path = `${base}/patients/${patientId}`;
  const patient = useLoad(() => api.get<PatientRecord>(path), [path]);
  const messages = useLoad(() => api.get<{ items: Message[] }>(`${path}/messages`), [path]);
  const surveys = useLoad(() => api.get<{ items: Survey[] }>(`${path}/surveys`), [path]);
  const outcomes = useLoad(() => api.get<{ items: Outcome[] }>(`${path}/outcomes`), [path]);
  const [showPhone, setShowPhone] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  // The language chosen in the select (of this patient's page) and what its save answered.
  const [language, setLanguage] = useState<{ path: string; choice: string; saved?: string } | null>(null);
  const zone = clinic.timezone;
  const optOut = async () => {
    if (!window.confirm("Record that this patient asked for no more texts? Only the patient can opt back in (START).")) return;
    try {
      await api.post(`${path}/opt-out`, {});
      patient.reload();
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
    }
  };
  if (patient.error) return <p role="alert" class="error">{patient.error}</p>;
  if (!patient.data) return <p role="status">Loading…</p>;
  const record = patient.data;
  const storedLanguage = record.language ?? ""; // "": the clinic's default
  const languageDraft = language?.path === path ? language : null;
  const chosenLanguage = languageDraft?.choice ?? storedLanguage;
  const saveLanguage = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    try {
      const changed = await api.patch<PatientRecord>(path, { language: languageValue(chosenLanguage) });
      setLanguage({ path, choice: changed.language ?? "", saved: `Saved: ${patientLanguage(changed.language, clinic.default_language)}.` });
      patient.reload();
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
    }
  };
  const instruments = [...new Set((surveys.data?.items ?? []).map((s) => s.survey))];
  return (
    <section aria-labelledby="patient-title">
      <h1 id="patient-title">{record.first_name}</h1>
      <p class="meta">
        {showPhone ? record.phone : maskPhone(record.phone)}{" "}
        <button type="button" class="small" onClick={() => setShowPhone(!showPhone)}>
          {showPhone ? "Hide number" : "Show number"}
        </button>{" "}
        · {record.external_id ? `EHR id ${record.external_id} · ` : ""}
        {record.opted_out ? <strong>opted out: gets no texts</strong> : "gets texts"}
        {!record.opted_out && may.has("opt_out") && (
          <>
            {" "}
            <button type="button" class="small danger" onClick={optOut}>
              Opt out
            </button>
          </>
        )}
      </p>
      <form class="row" onSubmit={saveLanguage}>
        <label for="patient-language">Language</label>
        <select
          id="patient-language"
          value={chosenLanguage}
          disabled={!may.has("manage_patients")}
          onChange={(e) => setLanguage({ path, choice: (e.target as HTMLSelectElement).value })}
        >
          <option value="">{clinicDefaultLabel(clinic.default_language)}</option>
          {Object.entries(LANGUAGES).map(([code, name]) => (
            <option key={code} value={code}>
              {name}
            </option>
          ))}
        </select>
        {may.has("manage_patients") && (
          <button type="submit" class="small" disabled={chosenLanguage === storedLanguage}>
            Save language
          </button>
        )}
        {languageDraft?.saved && <span role="status">{languageDraft.saved}</span>}
      </form>
      {problem && <p role="alert" class="error">{problem}</p>}
      <h2>Scores</h2>
      {(outcomes.data?.items ?? []).length > 0 && (
        <table class="list" data-testid="outcomes">
          <thead>
            <tr>
              <th scope="col">Instrument</th>
              <th scope="col">Baseline</th>
              <th scope="col">Latest</th>
              <th scope="col">Change</th>
              <th scope="col">Response</th>
              <th scope="col">Remission</th>
            </tr>
          </thead>
          <tbody>
            {(outcomes.data?.items ?? []).map((o) => (
              <tr key={o.survey}>
                <td>{instrumentName(o.survey)}</td>
                <td>
                  {o.baseline.score} {o.baseline.severity && <small>{o.baseline.severity}</small>}
                </td>
                <td>
                  {o.latest.score} {o.latest.severity && <small>{o.latest.severity}</small>}
                </td>
                <td>{o.change_percent === null ? "–" : `${Math.round(o.change_percent)}%`}</td>
                <td>{o.response === null ? "–" : o.response ? "yes" : "no"}</td>
                <td>{o.remission === null ? "–" : o.remission ? "yes" : "no"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div class="charts">
        {instruments.map((id) => (
          <ScoreChart key={id} instrument={id} surveys={surveys.data?.items ?? []} zone={zone} />
        ))}
      </div>
      <h2>Surveys</h2>
      <table class="list" data-testid="surveys">
        <thead>
          <tr>
            <th scope="col">Session</th>
            <th scope="col">Instrument</th>
            <th scope="col">Status</th>
            <th scope="col">Score</th>
            <th scope="col">Answers</th>
          </tr>
        </thead>
        <tbody>
          {(surveys.data?.items ?? []).map((s) => (
            <tr key={s.survey_id}>
              <td>{dateTimeIn(zone, s.session_at)}</td>
              <td>{instrumentName(s.survey)}</td>
              <td>{words(s.status)}</td>
              <td>
                {s.score ?? "–"} {s.severity && <small>{s.severity}</small>}
              </td>
              <td>{s.answers.join(" ")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Messages</h2>
      <ol class="thread" data-testid="thread">
        {(messages.data?.items ?? []).map((m) => (
          <li key={m.message_id} class={`bubble ${m.direction}${["failed", "undelivered", "unknown"].includes(m.status) ? " trouble" : ""}`}>
            <p>{m.body}</p>
            <small>
              {dateTimeIn(zone, m.at)} · {m.direction === "inbound" ? "from the patient" : words(m.status)}
              {m.error_code ? ` (error ${m.error_code})` : ""}
            </small>
          </li>
        ))}
      </ol>
    </section>
  );
}

function ScoreChart({ instrument, surveys, zone }: { instrument: string; surveys: Survey[]; zone: string }) {
  const target = useRef<HTMLDivElement>(null);
  const known = INSTRUMENTS[instrument];
  useEffect(() => {
    if (!target.current || !known) return;
    const chart = scoreChart(target.current, seriesOf(surveys, instrument), {
      title: known.name,
      max: known.max,
      bands: known.bands,
      width: 560,
      zone,
    });
    return () => chart.destroy();
  }, [instrument, surveys, zone, known]);
  if (!known) return null;
  return (
    <figure>
      <div ref={target} class="chart" role="img" aria-label={`${known.name} scores by session, with its severity bands`} />
      {known.bands.length > 0 && (
        <figcaption>
          {known.bands.map((band) => `${band.label} ${band.from}-${band.to}`).join(" · ")}
        </figcaption>
      )}
    </figure>
  );
}
