import { useState } from "preact/hooks";
import { ApiError } from "../api";
import { useSession } from "../context";
import { words } from "../format";
import { INSTRUMENTS } from "../instruments";
import { type Language, LANGUAGES } from "../language";
import { changedFields, draftOf, type ReminderDraft, type SettingsDraft, settingsBody } from "../settings";
import { dateTimeIn } from "../time";

interface PreviewMessage {
  kind: string;
  instrument?: string | null;
  due_at: string;
  due_at_local: string;
  body: string;
  segments: number;
  encoding: string;
}

interface Preview {
  starts_at: string;
  messages: PreviewMessage[];
}

const value = (event: Event) => (event.target as HTMLInputElement).value;

export function Settings() {
  const { api, base, clinic, may, reloadClinic } = useSession();
  const editable = may.has("change_settings");
  const [draft, setDraft] = useState<SettingsDraft>(() => draftOf(clinic));
  const [preview, setPreview] = useState<Preview | null>(null);
  // The sample patient's language: the texts a patient who reads it would get.
  const [previewLanguage, setPreviewLanguage] = useState<Language>(draft.default_language);
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const change = (patch: Partial<SettingsDraft>) => {
    setDraft({ ...draft, ...patch });
    setSaved(null);
  };
  const setReminder = (index: number, rule: ReminderDraft) =>
    change({ reminders: draft.reminders.map((old, i) => (i === index ? rule : old)) });
  const failed = (error: unknown) => setProblem(error instanceof ApiError ? `${error.message}${error.field ? ` (${error.field})` : ""}` : String(error));
  const showPreview = async () => {
    setProblem(null);
    try {
      setPreview(await api.post<Preview>(`${base}/preview`, { settings: settingsBody(draft), language: previewLanguage }));
    } catch (error) {
      setPreview(null);
      failed(error);
    }
  };
  const save = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    const changed = changedFields(clinic, draft);
    if (Object.keys(changed).length === 0) return setSaved("Nothing changed.");
    try {
      await api.patch(base, changed);
      setSaved(`Saved: ${Object.keys(changed).map(words).join(", ")}.`);
      reloadClinic();
    } catch (error) {
      failed(error);
    }
  };
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      {!editable && <p>Only a clinic admin can change these.</p>}
      <form onSubmit={save} class="settings">
        <fieldset disabled={!editable}>
          <legend>Reminders</legend>
          {draft.reminders.map((rule, index) => (
            <div class="row" key={index}>
              <label for={`reminder-mode-${index}`}>Reminder {index + 1}</label>
              <select
                id={`reminder-mode-${index}`}
                value={rule.mode}
                onChange={(e) =>
                  setReminder(index, value(e) === "before" ? { mode: "before", before: "PT2H" } : { mode: "day", days_before: "1", at: "17:00" })
                }
              >
                <option value="before">a time before</option>
                <option value="day">days before, at</option>
              </select>
              {rule.mode === "before" ? (
                <>
                  <label for={`reminder-before-${index}`}>before (ISO 8601, e.g. PT2H, P1D)</label>
                  <input id={`reminder-before-${index}`} value={rule.before} onInput={(e) => setReminder(index, { mode: "before", before: value(e) })} />
                </>
              ) : (
                <>
                  <label for={`reminder-days-${index}`}>days before</label>
                  <input id={`reminder-days-${index}`} inputMode="numeric" value={rule.days_before} onInput={(e) => setReminder(index, { ...rule, days_before: value(e) })} />
                  <label for={`reminder-at-${index}`}>at</label>
                  <input id={`reminder-at-${index}`} type="time" value={rule.at} onInput={(e) => setReminder(index, { ...rule, at: value(e) })} />
                </>
              )}
              <button type="button" class="small" onClick={() => change({ reminders: draft.reminders.filter((_, i) => i !== index) })}>
                Remove
              </button>
            </div>
          ))}
          <button type="button" class="small" onClick={() => change({ reminders: [...draft.reminders, { mode: "before", before: "PT2H" }] })}>
            Add a reminder
          </button>
        </fieldset>
        <fieldset disabled={!editable}>
          <legend>Follow-ups</legend>
          {draft.follow_ups.map((rule, index) => (
            <div class="row" key={index}>
              <label for={`follow-after-${index}`}>Follow-up {index + 1}: after the session (ISO 8601)</label>
              <input
                id={`follow-after-${index}`}
                value={rule.after}
                onInput={(e) => change({ follow_ups: draft.follow_ups.map((old, i) => (i === index ? { ...old, after: value(e) } : old)) })}
              />
              <label for={`follow-survey-${index}`}>survey</label>
              <select
                id={`follow-survey-${index}`}
                value={rule.survey}
                onChange={(e) => change({ follow_ups: draft.follow_ups.map((old, i) => (i === index ? { ...old, survey: value(e) } : old)) })}
              >
                {Object.values(INSTRUMENTS).map((instrument) => (
                  <option key={instrument.id} value={instrument.id}>
                    {instrument.name}
                  </option>
                ))}
              </select>
              <button type="button" class="small" onClick={() => change({ follow_ups: draft.follow_ups.filter((_, i) => i !== index) })}>
                Remove
              </button>
            </div>
          ))}
          <button type="button" class="small" onClick={() => change({ follow_ups: [...draft.follow_ups, { after: "PT4H", survey: "anxiety-now" }] })}>
            Add a follow-up
          </button>
        </fieldset>
        <fieldset disabled={!editable}>
          <legend>Sending</legend>
          <div class="row">
            <input id="quiet" type="checkbox" checked={draft.quiet} onChange={(e) => change({ quiet: (e.target as HTMLInputElement).checked })} />
            <label for="quiet">Quiet hours (nothing scheduled is sent between)</label>
            <label for="quiet-start">start</label>
            <input id="quiet-start" type="time" value={draft.quiet_start} disabled={!draft.quiet} onInput={(e) => change({ quiet_start: value(e) })} />
            <label for="quiet-end">end</label>
            <input id="quiet-end" type="time" value={draft.quiet_end} disabled={!draft.quiet} onInput={(e) => change({ quiet_end: value(e) })} />
          </div>
          <div class="row">
            <input id="discreet" type="checkbox" checked={draft.discreet} onChange={(e) => change({ discreet: (e.target as HTMLInputElement).checked })} />
            <label for="discreet">Discreet texts (no clinic name in reminders)</label>
          </div>
          <div class="row">
            <label for="expiry">A survey expires after (hours)</label>
            <input id="expiry" inputMode="numeric" value={draft.survey_expiry_hours} onInput={(e) => change({ survey_expiry_hours: value(e) })} />
            <label for="escalation">Escalate an open crisis alert every (minutes)</label>
            <input id="escalation" inputMode="numeric" value={draft.escalation_minutes} onInput={(e) => change({ escalation_minutes: value(e) })} />
          </div>
        </fieldset>
        <fieldset disabled={!editable}>
          <legend>Language</legend>
          <div class="row">
            <label for="default-language">Default language (texts to a patient without their own)</label>
            <select id="default-language" value={draft.default_language} onChange={(e) => change({ default_language: value(e) as Language })}>
              {Object.entries(LANGUAGES).map(([code, name]) => (
                <option key={code} value={code}>
                  {name}
                </option>
              ))}
            </select>
          </div>
        </fieldset>
        <div class="toolbar">
          <label for="preview-language">Preview for a patient who reads</label>
          <select id="preview-language" value={previewLanguage} onChange={(e) => setPreviewLanguage(value(e) as Language)}>
            {Object.entries(LANGUAGES).map(([code, name]) => (
              <option key={code} value={code}>
                {name}
              </option>
            ))}
          </select>
          <button type="button" onClick={showPreview}>
            Preview
          </button>
          {editable && <button type="submit">Save</button>}
        </div>
      </form>
      {problem && <p role="alert" class="error">{problem}</p>}
      {saved && <p role="status">{saved}</p>}
      {preview && (
        <div class="preview" data-testid="preview">
          <h2>A sample appointment: {dateTimeIn(clinic.timezone, preview.starts_at)}</h2>
          <table class="list">
            <thead>
              <tr>
                <th scope="col">Goes out</th>
                <th scope="col">Message</th>
                <th scope="col">Text</th>
                <th scope="col">Segments</th>
              </tr>
            </thead>
            <tbody>
              {preview.messages.map((message, index) => (
                <tr key={index}>
                  <td>{dateTimeIn(clinic.timezone, message.due_at)}</td>
                  <td>
                    {words(message.kind)}
                    {message.instrument ? ` (${INSTRUMENTS[message.instrument]?.name ?? message.instrument})` : ""}
                  </td>
                  <td class="sms">{message.body}</td>
                  <td>
                    {message.segments} <small>{message.encoding}</small>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
