// How the console names and marks appointment and message states.

export const APPOINTMENT_STATUS: Record<string, string> = {
  scheduled: "scheduled",
  confirmed: "confirmed",
  reschedule_requested: "reschedule requested",
  cancelled: "cancelled",
  completed: "completed",
};

/** Message states a clinic must look at: the text did not reach the patient, or may not have. */
const TROUBLE = new Set(["failed", "unknown", "undelivered"]);

export function isTrouble(state: string): boolean {
  return TROUBLE.has(state);
}

export interface PlannedMessage {
  job_id: string;
  kind: string;
  rule: string;
  due_at: string;
  state: string;
  reason?: string;
  survey?: string;
  error_code?: number;
}

/** One line of a day's appointment: how many of its messages are in each state, trouble first. */
export function messageSummary(messages: PlannedMessage[]): { state: string; count: number; trouble: boolean }[] {
  const counts = new Map<string, number>();
  for (const message of messages) counts.set(message.state, (counts.get(message.state) ?? 0) + 1);
  return [...counts.entries()]
    .map(([state, count]) => ({ state, count, trouble: isTrouble(state) }))
    .sort((a, b) => Number(b.trouble) - Number(a.trouble) || a.state.localeCompare(b.state));
}

/** What a staff member may do to an appointment from the day view. */
export function nextStatuses(status: string): string[] {
  return status === "cancelled" || status === "completed" ? [] : ["completed", "cancelled"];
}
