/**
 * Where a long value may wrap without reading as two words: after an "@", before a "." or "/", and
 * around "_", "-", "+" and "=" (the places people break emails, URLs and ids by hand). Spaces wrap
 * on their own. A run longer than `maxRun` with none of these is cut every `maxRun` characters, so
 * the layout never needs `overflow-wrap: anywhere` (which breaks every word, short ones included).
 */
export function breakSegments(text: string, maxRun = 24): string[] {
  const pieces = text.split(/(?<=[@_\-+=])|(?=[./])/u).filter((p) => p !== '');
  return pieces.flatMap((piece) => {
    // Words separated by spaces already wrap; only the longest unbroken word needs cutting.
    if (piece.length <= maxRun || /\s/u.test(piece)) return [piece];
    const cut: string[] = [];
    for (let i = 0; i < piece.length; i += maxRun) cut.push(piece.slice(i, i + maxRun));
    return cut;
  });
}
