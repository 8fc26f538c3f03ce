import { describe, expect, it } from "vitest";
import type { Alert, Survey } from "../src/types";
import { alertOrder } from "../src/views/Alerts";
import { seriesOf } from "../src/views/Patient";
import { searchKind } from "../src/views/Patients";

describe("the views' own logic", () => {
  it("reads a search as a phone number or a name", () => {
    expect(searchKind("(555) 777-0009")).toBe("phone");
    expect(searchKind("+15557770009")).toBe("phone");
    expect(searchKind("Ana")).toBe("q");
    expect(searchKind("ana 2")).toBe("q");
  });
  it("lists crisis alerts first, newest first", () => {
    const alert = (alert_id: string, kind: string, at: string) => ({ alert_id, kind, at }) as Alert;
    const sorted = [alert("a", "severe_score", "2026-12-01T10:00:00Z"), alert("b", "crisis", "2026-12-01T09:00:00Z"), alert("c", "crisis", "2026-12-01T11:00:00Z")].sort(alertOrder);
    expect(sorted.map((a) => a.alert_id)).toEqual(["c", "b", "a"]);
  });
  it("charts the completed surveys of one instrument by session", () => {
    const survey = (survey: string, session_at: string, status: string, score: number | null) => ({ survey, session_at, status, score }) as Survey;
    const series = seriesOf(
      [survey("gad7", "2026-12-03T15:00:00Z", "completed", 9), survey("gad7", "2026-12-01T15:00:00Z", "completed", 15), survey("gad7", "2026-12-05T15:00:00Z", "expired", null), survey("phq9", "2026-12-01T15:00:00Z", "completed", 3)],
      "gad7",
    );
    expect(series.y).toEqual([15, 9]);
    expect(series.x[0]).toBe(Date.parse("2026-12-01T15:00:00Z") / 1000);
  });
});
