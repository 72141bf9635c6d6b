/** LoCoMo memory evaluation (see run.ts); filled in by the memory work of issue 9. */
export async function evalLocomo(_args: string[]): Promise<void> {
  throw new Error("the locomo evaluation is not written yet");
}
