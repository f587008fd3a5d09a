// The handler part's clock: CPU time this process used (user + system,
// microsecond resolution), not wall time. On a shared machine the wall clock
// also counts the time the thread waited for a core, which made ns/packet
// vary 5x from one repetition to the next; CPU time does not. On a quiet
// machine the two agree. (V8's helper threads count too; a steady handler
// loop allocates nothing, so they are idle.)

export function cpuNs(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) * 1000;
}
