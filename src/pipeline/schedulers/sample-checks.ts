// Guards shared by every scheduler's step.

export function assertSameLength(owner: string, modelOutput: Float32Array, sample: Float32Array): void {
  if (modelOutput.length !== sample.length) {
    throw new RangeError(`${owner}.step(): model output has ${modelOutput.length} values but the sample has ${sample.length}`);
  }
}
