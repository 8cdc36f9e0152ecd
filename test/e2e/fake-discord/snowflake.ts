// Discord-shaped ids: milliseconds since the Discord epoch in the top bits, so ids sort by time
// the way real ones do (discord.js reads creation time from them).
const DISCORD_EPOCH_MS = 1_420_070_400_000n;
const TIMESTAMP_SHIFT = 22n;
const INCREMENT_MASK = 0xfffn;

let increment = 0n;

export function nextSnowflake(now: number = Date.now()): string {
  increment = (increment + 1n) & INCREMENT_MASK;
  return (((BigInt(now) - DISCORD_EPOCH_MS) << TIMESTAMP_SHIFT) | increment).toString();
}
