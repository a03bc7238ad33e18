/** Runs `work`; answers how many check phases (setImmediate turns) the event loop had meanwhile. */
export async function loopTurnsWhile(work: () => Promise<unknown>): Promise<number> {
  let turns = 0;
  let counting = true;
  const count = () => {
    turns++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  try {
    await work();
  } finally {
    counting = false;
  }
  return turns;
}
