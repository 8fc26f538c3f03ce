// Dates and times in the clinic's time zone: the console shows nothing in the browser's own.

/** A calendar day as YYYY-MM-DD. */
export type Day = string;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isDay(text: string): text is Day {
  const found = DAY.exec(text);
  if (!found) return false;
  const [year, month, date] = [Number(found[1]), Number(found[2]), Number(found[3])];
  const probe = new Date(Date.UTC(year, month - 1, date));
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === date;
}

/** `day` moved by `days` calendar days (no time zone involved: a day is a date). */
export function addDays(day: Day, days: number): Day {
  const [year, month, date] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(year, month - 1, date + days)).toISOString().slice(0, 10);
}

/** The date it is in `zone` at `at`. */
export function dayIn(zone: string, at: Date = new Date()): Day {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: zone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
}

/** "14:05" in `zone`. */
export function timeIn(zone: string, iso: string): string {
  return new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit" }).format(
    new Date(iso),
  );
}

/** "Tue 1 Dec, 14:05" in `zone`. */
export function dateTimeIn(zone: string, iso: string): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: zone,
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
  }).format(new Date(iso));
}

/** "Tuesday 1 December 2026" for a day (a date, read as such). */
export function longDay(day: Day): string {
  return new Intl.DateTimeFormat("en-GB", {
    timeZone: "UTC",
    weekday: "long",
    day: "numeric",
    month: "long",
    year: "numeric",
  }).format(new Date(`${day}T12:00:00Z`));
}
