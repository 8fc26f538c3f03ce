// The console's places, in the URL's fragment. Only ids go there (never a name, a phone
// number or a search), so a URL in a browser's history or a screenshot names no patient.
import { isDay, type Day } from "./time";

export type Route =
  | { view: "day"; day: Day | null }
  | { view: "alerts"; alertId: string | null }
  | { view: "patients"; patientId: string | null }
  | { view: "settings" }
  | { view: "outcomes" };

const ID = /^[A-Za-z0-9_-]{1,64}$/;

export function parseRoute(hash: string): Route {
  const [view = "", arg = ""] = hash.replace(/^#\/?/, "").split("/");
  const id = ID.test(arg) ? arg : null;
  switch (view) {
    case "alerts":
      return { view: "alerts", alertId: id };
    case "patients":
      return { view: "patients", patientId: id };
    case "settings":
      return { view: "settings" };
    case "outcomes":
      return { view: "outcomes" };
    default:
      return { view: "day", day: isDay(arg) ? arg : null };
  }
}

export function routeHash(route: Route): string {
  switch (route.view) {
    case "day":
      return route.day ? `#/day/${route.day}` : "#/day";
    case "alerts":
      return route.alertId ? `#/alerts/${route.alertId}` : "#/alerts";
    case "patients":
      return route.patientId ? `#/patients/${route.patientId}` : "#/patients";
    default:
      return `#/${route.view}`;
  }
}
