/** Reads the report `doctor` prints on stdout, for the tests of `doctor` and of the problems it explains. */

/** One ✓/✗ line of a `doctor` report, with the `fix:` and `note:` lines under it. */
export interface DoctorStep {
  ok: boolean;
  detail: string;
  fix?: string;
  note?: string;
}

/** The ✓/✗ lines of a `doctor` report, by step name (a step may appear more than once). */
export function doctorSteps(stdout: string): Map<string, DoctorStep[]> {
  const steps = new Map<string, DoctorStep[]>();
  let last: DoctorStep | undefined;
  for (const line of stdout.split('\n')) {
    const step = /^([✓✗]) ([^:]+): (.*)$/.exec(line);
    if (step) {
      last = { ok: step[1] === '✓', detail: step[3]! };
      const list = steps.get(step[2]!) ?? [];
      list.push(last);
      steps.set(step[2]!, list);
      continue;
    }
    const fix = /^ {4}fix: (.*)$/.exec(line);
    if (fix && last) last.fix = fix[1]!;
    const note = /^ {4}note: (.*)$/.exec(line);
    if (note && last) last.note = note[1]!;
  }
  return steps;
}
