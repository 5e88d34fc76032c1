// A function of a string that remembers what it gave for the texts it saw last: the same label
// sets come back push after push and message after message, and parsing them each time showed.
// The memory is bounded: once `max` texts are held it starts again empty. A throw is not kept.
export function remembered<T>(make: (text: string) => T, max: number): (text: string) => T {
  const seen = new Map<string, T>();
  return (text) => {
    let v = seen.get(text);
    if (v === undefined) {
      v = make(text);
      if (seen.size >= max) seen.clear();
      seen.set(text, v);
    }
    return v;
  };
}
