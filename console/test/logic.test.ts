import { describe, expect, it } from "vitest";
import { Api, ApiError } from "../src/api";
import { IdleTimer } from "../src/idle";
import { bandOf, INSTRUMENTS } from "../src/instruments";
import { clinicDefaultLabel, languageName, languageValue, patientLanguage } from "../src/language";
import { maskPhone } from "../src/mask";
import { authorizeUrl, base64url, challengeOf, randomVerifier, tokenRequestBody } from "../src/pkce";
import { parseRoute, routeHash } from "../src/router";
import { changedFields, draftOf, settingsBody } from "../src/settings";
import { messageSummary, nextStatuses } from "../src/states";
import { addDays, dayIn, isDay, timeIn } from "../src/time";
import type { Clinic } from "../src/types";

describe("days and times in the clinic's zone", () => {
  it("moves across month, year and DST edges by calendar days", () => {
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2026-03-01", -1)).toBe("2026-02-28");
    expect(addDays("2026-03-08", 1)).toBe("2026-03-09");
  });
  it("reads the date in the clinic's zone, not the browser's", () => {
    const at = new Date("2026-12-02T03:30:00Z");
    expect(dayIn("America/New_York", at)).toBe("2026-12-01");
    expect(dayIn("Europe/Berlin", at)).toBe("2026-12-02");
    expect(timeIn("America/Los_Angeles", "2026-12-01T20:05:00Z")).toBe("12:05");
  });
  it("refuses days that do not exist", () => {
    expect(isDay("2026-02-29")).toBe(false);
    expect(isDay("2028-02-29")).toBe(true);
    expect(isDay("2026-13-01")).toBe(false);
    expect(isDay("tomorrow")).toBe(false);
  });
});

describe("phone numbers in lists", () => {
  it("show the country code and the last two digits only", () => {
    expect(maskPhone("+15551230042")).toBe("+1 ••• ••• ••42");
    expect(maskPhone("+447700900123")).toBe("+44 ••• ••• ••23");
    expect(maskPhone("+15551230042")).not.toContain("555");
    expect(maskPhone(null)).toBe("");
  });
});

describe("routes", () => {
  it("carry ids and days only, and round-trip", () => {
    for (const hash of ["#/day/2026-12-01", "#/day", "#/alerts/al_1", "#/patients/pt_9", "#/settings", "#/outcomes", "#/alerts"]) {
      expect(routeHash(parseRoute(hash))).toBe(hash);
    }
  });
  it("drop what is not an id or a day", () => {
    expect(parseRoute("#/patients/Ana Smith")).toEqual({ view: "patients", patientId: null });
    expect(parseRoute("#/day/2026-02-30")).toEqual({ view: "day", day: null });
    expect(parseRoute("")).toEqual({ view: "day", day: null });
  });
});

describe("idle sign-out", () => {
  it("expires after the limit without a touch, and a touch starts it again", () => {
    let now = 0;
    const idle = new IdleTimer(15 * 60_000, () => now);
    now = 14 * 60_000;
    expect(idle.expired()).toBe(false);
    idle.touch();
    now += 14 * 60_000;
    expect(idle.expired()).toBe(false);
    now += 60_000;
    expect(idle.expired()).toBe(true);
    expect(idle.remainingMs()).toBe(0);
  });
});

describe("PKCE", () => {
  it("makes RFC 7636's challenge from its verifier", async () => {
    // RFC 7636, appendix B.
    expect(await challengeOf("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    expect(randomVerifier()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(base64url(new Uint8Array([251, 255]))).toBe("-_8");
  });
  it("asks for a code with S256 and trades it with the verifier", () => {
    const config = { auth: "cognito" as const, domain: "https://d.auth.example", client_id: "abc", redirect_uri: "https://x.example/console/" };
    const url = new URL(authorizeUrl(config, "chal", "st"));
    expect(url.pathname).toBe("/oauth2/authorize");
    expect(url.searchParams.get("code_challenge_method")).toBe("S256");
    expect(url.searchParams.get("redirect_uri")).toBe("https://x.example/console/");
    expect(tokenRequestBody(config, "code1", "ver").get("code_verifier")).toBe("ver");
  });
});

describe("instruments and bands", () => {
  it("come from the service's instrument files", () => {
    expect(INSTRUMENTS["gad7"]?.max).toBe(21);
    expect(INSTRUMENTS["phq9"]?.max).toBe(27);
    expect(INSTRUMENTS["anxiety-now"]?.max).toBe(10);
    expect(INSTRUMENTS["gad7"]?.bands.map((b) => [b.from, b.to])).toEqual([[0, 4], [5, 9], [10, 14], [15, 21]]);
  });
  it("place a score in its band", () => {
    const gad7 = INSTRUMENTS["gad7"]!;
    expect(bandOf(gad7, 4)?.label).toBe("minimal");
    expect(bandOf(gad7, 5)?.label).toBe("mild");
    expect(bandOf(gad7, 21)?.label).toBe("severe");
    expect(bandOf(INSTRUMENTS["anxiety-now"]!, 5)).toBeNull();
  });
});

describe("the day's messages", () => {
  it("put failed and unknown ones first", () => {
    const at = "2026-12-01T10:00:00Z";
    const summary = messageSummary([
      { job_id: "1", kind: "reminder", rule: "r", due_at: at, state: "sent" },
      { job_id: "2", kind: "reminder", rule: "r", due_at: at, state: "failed" },
      { job_id: "3", kind: "follow_up", rule: "r", due_at: at, state: "sent" },
      { job_id: "4", kind: "follow_up", rule: "r", due_at: at, state: "unknown" },
    ]);
    expect(summary).toEqual([
      { state: "failed", count: 1, trouble: true },
      { state: "unknown", count: 1, trouble: true },
      { state: "sent", count: 2, trouble: false },
    ]);
    expect(nextStatuses("confirmed")).toEqual(["completed", "cancelled"]);
    expect(nextStatuses("cancelled")).toEqual([]);
  });
});

const CLINIC: Clinic = {
  clinic_id: "cl_1",
  name: "Calm Waters",
  timezone: "America/New_York",
  sender: "+15005550006",
  phone: "+12125550100",
  quiet_hours: { start: "21:00", end: "08:00" },
  reminders: [{ before: "P1D" }, { days_before: 0, at: "08:00" }],
  follow_ups: [{ after: "PT4H", survey: "anxiety-now" }],
  discreet: true,
  survey_expiry_hours: 48,
  escalation_minutes: 15,
  default_language: "en",
};

describe("the settings form", () => {
  it("gives back what it was given", () => {
    expect(settingsBody(draftOf(CLINIC))).toEqual({
      reminders: CLINIC.reminders,
      follow_ups: CLINIC.follow_ups,
      quiet_hours: CLINIC.quiet_hours,
      discreet: true,
      survey_expiry_hours: 48,
      escalation_minutes: 15,
      default_language: "en",
    });
  });
  it("sends only what changed, so a save re-plans only that", () => {
    const draft = draftOf(CLINIC);
    expect(changedFields(CLINIC, draft)).toEqual({});
    draft.reminders[0] = { mode: "before", before: "PT2H" };
    draft.quiet = false;
    expect(changedFields(CLINIC, draft)).toEqual({ reminders: [{ before: "PT2H" }, { days_before: 0, at: "08:00" }], quiet_hours: null });
    const spanish = draftOf(CLINIC);
    spanish.default_language = "es";
    expect(changedFields(CLINIC, spanish)).toEqual({ default_language: "es" });
  });
  it("reads a clinic without default_language as English", () => {
    const { default_language: _, ...older } = CLINIC;
    expect(draftOf(older as Clinic).default_language).toBe("en");
  });
  it("leaves what is not a number for the API to name", () => {
    const draft = draftOf(CLINIC);
    draft.escalation_minutes = "soon";
    expect(settingsBody(draft)["escalation_minutes"]).toBe("soon");
  });
});

describe("languages", () => {
  it("name the patient's own, else what the clinic's default means", () => {
    expect(languageName("es")).toBe("Spanish");
    expect(languageName("fr")).toBe("fr");
    expect(clinicDefaultLabel("en")).toBe("Clinic default (English)");
    expect(clinicDefaultLabel(undefined)).toBe("Clinic default (English)");
    expect(patientLanguage(undefined, "es")).toBe("Clinic default (Spanish)");
    expect(patientLanguage("en", "es")).toBe("English");
  });
  it("send the clinic's default as null, which clears the patient's own", () => {
    expect(languageValue("")).toBeNull();
    expect(languageValue("es")).toBe("es");
    expect(languageValue("toString")).toBeNull();
  });
});

describe("the API client", () => {
  it("sends the token, follows cursors and turns errors into ApiError", async () => {
    const seen: string[] = [];
    const pages: Record<string, unknown> = {
      "/admin/clinics/c/patients?limit=2": { items: [1, 2], next_cursor: "n1" },
      "/admin/clinics/c/patients?limit=2&cursor=n1": { items: [3], next_cursor: null },
    };
    const fetcher = (async (url: string, init: RequestInit) => {
      seen.push((init.headers as Record<string, string>)["Authorization"]!);
      const body = pages[url];
      return body
        ? new Response(JSON.stringify(body), { status: 200 })
        : new Response(JSON.stringify({ error: { code: "not_found", message: "no such", field: "x" } }), { status: 404 });
    }) as typeof fetch;
    let signedOut = 0;
    const api = new Api("tok", () => signedOut++, fetcher);
    expect(await api.all("/admin/clinics/c/patients", { limit: 2 })).toEqual([1, 2, 3]);
    expect(seen).toEqual(["Bearer tok", "Bearer tok"]);
    await expect(api.get("/nope")).rejects.toMatchObject({ status: 404, code: "not_found", field: "x" });
    await expect(api.get("/nope")).rejects.toBeInstanceOf(ApiError);
    expect(signedOut).toBe(0);
  });
});

describe("exports in parts", () => {
  it("join into one file with one header row", async () => {
    const { joinParts } = await import("../src/exports");
    expect(joinParts(["a,b\r\n1,2\r\n", "a,b\r\n3,4\r\n"])).toBe("a,b\r\n1,2\r\n3,4\r\n");
    expect(joinParts(["a,b\n1,2\n"])).toBe("a,b\n1,2\n");
    expect(joinParts([])).toBe("");
  });
});
