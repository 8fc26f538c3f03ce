import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { Api } from "./api";
import { type Config, finishCognitoSignIn, keepToken, loadConfig, signOut, startCognitoSignIn, storedToken, tokenFromFragment } from "./auth";
import { SessionContext } from "./context";
import { IDLE_MINUTES, IdleTimer } from "./idle";
import { useLoad } from "./load";
import { parseRoute, type Route } from "./router";
import "./style.css";
import type { Clinic } from "./types";
import { Alerts } from "./views/Alerts";
import { Day } from "./views/Day";
import { Outcomes } from "./views/Outcomes";
import { Patient } from "./views/Patient";
import { Patients } from "./views/Patients";
import { Settings } from "./views/Settings";

interface Me {
  name: string;
  role: string;
  may: string[];
}

const CLINIC = "touchpoint.clinic";

function useRoute(): Route {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const changed = () => setHash(window.location.hash);
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return parseRoute(hash);
}

function App() {
  const [config, setConfig] = useState<Config | null>(null);
  const [token, setToken] = useState<string | null>(() => tokenFromFragment() ?? storedToken());
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    loadConfig().then(async (loaded) => {
      setConfig(loaded);
      if (loaded.auth === "cognito" && !token) setToken(await finishCognitoSignIn(loaded));
    });
  }, []);
  const end = (why: string) => {
    signOut(config);
    setToken(null);
    setNotice(why);
  };
  if (!config) return <p role="status">Loading…</p>;
  if (!token) return <SignIn config={config} notice={notice} onToken={(t) => (keepToken(t), setToken(t), setNotice(null))} />;
  return <Console token={token} onSignOut={end} />;
}

function SignIn({ config, notice, onToken }: { config: Config; notice: string | null; onToken: (token: string) => void }) {
  const [text, setText] = useState("");
  return (
    <main class="sign-in">
      <h1>Touchpoint</h1>
      {notice && <p role="status">{notice}</p>}
      {config.auth === "cognito" ? (
        <button type="button" onClick={() => startCognitoSignIn(config)}>
          Sign in
        </button>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault();
            if (text.trim()) onToken(text.trim());
          }}
        >
          <label for="token">Bearer token (make run prints one; make user makes more)</label>
          <input id="token" type="password" autoComplete="off" value={text} onInput={(e) => setText((e.target as HTMLInputElement).value)} />
          <button type="submit">Sign in</button>
        </form>
      )}
    </main>
  );
}

function Console({ token, onSignOut }: { token: string; onSignOut: (why: string) => void }) {
  const api = useMemo(() => new Api(token, () => onSignOut("Your sign-in ended: sign in again.")), [token]);
  const route = useRoute();
  const me = useLoad(() => api.get<Me>("/admin/me"), [api]);
  const [round, setRound] = useState(0);
  const clinics = useLoad(() => api.all<Clinic>("/admin/clinics", {}, 500), [api, round]);
  const [chosen, setChosen] = useState<string | null>(() => sessionStorage.getItem(CLINIC));
  useEffect(() => {
    const idle = new IdleTimer(IDLE_MINUTES * 60_000);
    const touch = () => idle.touch();
    const events = ["pointerdown", "keydown", "wheel", "touchstart"];
    events.forEach((name) => window.addEventListener(name, touch, { passive: true }));
    const check = window.setInterval(() => idle.expired() && onSignOut(`Signed out after ${IDLE_MINUTES} minutes idle.`), 15_000);
    return () => {
      events.forEach((name) => window.removeEventListener(name, touch));
      window.clearInterval(check);
    };
  }, []);
  if (me.error || clinics.error) return <p role="alert" class="error">{me.error ?? clinics.error}</p>;
  if (!me.data || !clinics.data) return <p role="status">Loading…</p>;
  const clinic = clinics.data.find((c) => c.clinic_id === chosen) ?? clinics.data[0];
  if (!clinic) return <p>No clinic yet: a platform admin creates one (touchpoint clinics, or POST /admin/clinics).</p>;
  const choose = (clinicId: string) => {
    sessionStorage.setItem(CLINIC, clinicId);
    setChosen(clinicId);
  };
  const session = {
    api,
    clinic,
    may: new Set(me.data.may),
    base: `/admin/clinics/${clinic.clinic_id}`,
    go: (hash: string) => {
      window.location.hash = hash;
    },
    reloadClinic: () => setRound((n) => n + 1),
  };
  const links: [Route["view"], string, string][] = [
    ["day", "#/day", "Day"],
    ["alerts", "#/alerts", "Alerts"],
    ["patients", "#/patients", "Patients"],
    ["outcomes", "#/outcomes", "Outcomes"],
    ["settings", "#/settings", "Settings"],
  ];
  return (
    <SessionContext.Provider value={session}>
      <header>
        <strong class="brand">Touchpoint</strong>
        {clinics.data.length > 1 ? (
          <>
            <label for="clinic" class="visually-hidden">
              Clinic
            </label>
            <select id="clinic" value={clinic.clinic_id} onChange={(e) => choose((e.target as HTMLSelectElement).value)}>
              {clinics.data.map((c) => (
                <option key={c.clinic_id} value={c.clinic_id}>
                  {c.name}
                </option>
              ))}
            </select>
          </>
        ) : (
          <span>{clinic.name}</span>
        )}
        <nav aria-label="Views">
          {links.map(([view, href, label]) => (
            <a key={view} href={href} aria-current={route.view === view ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class="who">
          {me.data.name} ({me.data.role.replace(/_/g, " ")})
        </span>
        <button type="button" class="small" onClick={() => onSignOut("Signed out.")}>
          Sign out
        </button>
      </header>
      <main id="main">{view(route, clinic.clinic_id)}</main>
    </SessionContext.Provider>
  );
}

function view(route: Route, clinicId: string) {
  switch (route.view) {
    case "alerts":
      return <Alerts alertId={route.alertId} />;
    case "patients":
      return route.patientId ? <Patient patientId={route.patientId} /> : <Patients />;
    case "settings":
      return <Settings key={clinicId} />;
    case "outcomes":
      return <Outcomes />;
    default:
      return <Day day={route.day} />;
  }
}

render(<App />, document.getElementById("app")!);
