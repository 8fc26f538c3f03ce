// Sign out after a quiet spell: a console left open on a front-desk screen must not stay
// signed in.

export const IDLE_MINUTES = 15;

export class IdleTimer {
  private last: number;

  constructor(
    private readonly limitMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.last = now();
  }

  /** The user did something. */
  touch(): void {
    this.last = this.now();
  }

  expired(): boolean {
    return this.now() - this.last >= this.limitMs;
  }

  /** How long until it expires, for a timer. */
  remainingMs(): number {
    return Math.max(0, this.limitMs - (this.now() - this.last));
  }
}
