/**
 * One token operation at a time in a process (the Authorizer's single-flight): a caller that arrives while one is
 * under way waits for it instead of starting another, so parallel requests share one refresh or one login.
 */
export class SingleFlight {
  #busy: Promise<void> | undefined;
  /** Whether the operation under way may log in (its failure is then the answer for requests that waited). */
  #interactive = false;

  /** Runs `work` alone; while another runs, waits for that one instead (and shares its failure). */
  async run(work: () => Promise<void>, interactive = true): Promise<void> {
    if (this.#busy) {
      await this.#busy;
      return;
    }
    const run = work().finally(() => {
      if (this.#busy === run) this.#busy = undefined;
    });
    this.#busy = run;
    this.#interactive = interactive;
    await run;
  }

  /**
   * Waits for the operation under way, if any. A failed login is rethrown (a request that waited for a login that
   * failed fails with it, instead of starting another); a failed refresh is not (the request goes on without it).
   */
  async settled(): Promise<void> {
    if (!this.#busy) return;
    const interactive = this.#interactive;
    await this.#busy.catch((error: unknown) => {
      if (interactive) throw error;
    });
  }
}
