import { useState } from "preact/hooks";
import { ApiError } from "../api";
import { useSession } from "../context";
import { maskPhone } from "../mask";
import type { Patient } from "../types";

type By = "q" | "phone" | "external_id";

/** What a search box's text most likely is: a phone number, or a name. */
export function searchKind(text: string): By {
  return /^[+(]?\d[\d\s().-]{5,}$/.test(text.trim()) ? "phone" : "q";
}

// The search lives in the page's state, never in the URL: a name or a number is PHI.
export function Patients() {
  const { api, base } = useSession();
  const [text, setText] = useState("");
  const [by, setBy] = useState<By | "auto">("auto");
  const [found, setFound] = useState<Patient[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const search = async (event: Event) => {
    event.preventDefault();
    setProblem(null);
    const kind = by === "auto" ? searchKind(text) : by;
    try {
      const page = await api.get<{ items: Patient[] }>(`${base}/patients`, { [kind]: text.trim() || null, limit: 100 });
      setFound(page.items);
    } catch (error) {
      setFound(null);
      setProblem(error instanceof ApiError ? error.message : String(error));
    }
  };
  return (
    <section aria-labelledby="patients-title">
      <h1 id="patients-title">Patients</h1>
      <form class="search" onSubmit={search} role="search">
        <label for="patient-search">Name, phone or EHR id</label>
        <input id="patient-search" value={text} maxLength={64} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
        <label for="patient-search-by">Search by</label>
        <select id="patient-search-by" value={by} onChange={(e) => setBy((e.target as HTMLSelectElement).value as By | "auto")}>
          <option value="auto">name or phone</option>
          <option value="q">name</option>
          <option value="phone">phone</option>
          <option value="external_id">EHR id</option>
        </select>
        <button type="submit">Search</button>
      </form>
      {problem && <p role="alert" class="error">{problem}</p>}
      {found && found.length === 0 && <p>No patient found.</p>}
      {found && found.length > 0 && (
        <table class="list">
          <thead>
            <tr>
              <th scope="col">First name</th>
              <th scope="col">Phone</th>
              <th scope="col">EHR id</th>
              <th scope="col">Texts</th>
            </tr>
          </thead>
          <tbody>
            {found.map((patient) => (
              <tr key={patient.patient_id}>
                <td>
                  <a href={`#/patients/${patient.patient_id}`}>{patient.first_name}</a>
                </td>
                <td>{maskPhone(patient.phone)}</td>
                <td>{patient.external_id ?? ""}</td>
                <td>{patient.opted_out ? "opted out" : "yes"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
