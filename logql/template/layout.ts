// Go's reference-time layouts ("2006-01-02T15:04:05Z07:00"): splitting, formatting and parsing.
import { GoTime, splitNs } from './values.ts';

export type Std =
  | 'January' | 'Jan' | '1' | '01' | 'Monday' | 'Mon' | '2' | '_2' | '02' | '__2' | '002'
  | '15' | '3' | '03' | '4' | '04' | '5' | '05' | '2006' | '06' | 'PM' | 'pm' | 'MST'
  | 'Z070000' | 'Z0700' | 'Z07:00:00' | 'Z07:00' | 'Z07' | '-070000' | '-0700' | '-07:00:00' | '-07:00' | '-07'
  | 'frac0' | 'frac9';

export type Chunk = { lit: string } | { std: Std; digits?: number; sep?: string };

const ZONES: Std[] = ['Z070000', 'Z07:00:00', 'Z0700', 'Z07:00', 'Z07', '-070000', '-07:00:00', '-0700', '-07:00', '-07'];

// nextStdChunk: the longest layout element at each position, else one literal character.
export function splitLayout(layout: string): Chunk[] {
  const out: Chunk[] = [];
  let lit = '';
  const push = (c: Chunk) => { if (lit) out.push({ lit }); lit = ''; out.push(c); };
  for (let i = 0; i < layout.length;) {
    const rest = layout.slice(i);
    const c = layout[i];
    let std: Std | null = null;
    if (c === 'J') std = rest.startsWith('January') ? 'January' : rest.startsWith('Jan') ? 'Jan' : null;
    else if (c === 'M') std = rest.startsWith('Monday') ? 'Monday' : rest.startsWith('Mon') ? 'Mon' : rest.startsWith('MST') ? 'MST' : null;
    else if (c === '0') std = rest.startsWith('002') ? '002' : /^0[1-6]/.test(rest) ? (rest.slice(0, 2) as Std) : null;
    else if (c === '1') std = rest.startsWith('15') ? '15' : '1';
    else if (c === '2') std = rest.startsWith('2006') ? '2006' : '2';
    else if (c === '_') {
      if (rest.startsWith('_2006')) { lit += '_'; i++; continue; }
      std = rest.startsWith('__2') ? '__2' : rest.startsWith('_2') ? '_2' : null;
    } else if (c === '3' || c === '4' || c === '5') std = c;
    else if (c === 'P') std = rest.startsWith('PM') ? 'PM' : null;
    else if (c === 'p') std = rest.startsWith('pm') ? 'pm' : null;
    else if (c === '-' || c === 'Z') std = ZONES.find((z) => z[0] === c && rest.startsWith(z)) ?? null;
    else if ((c === '.' || c === ',') && (layout[i + 1] === '0' || layout[i + 1] === '9')) {
      const ch = layout[i + 1];
      let j = i + 1;
      while (layout[j] === ch) j++;
      if (!/[0-9]/.test(layout[j] ?? '')) {
        push({ std: ch === '0' ? 'frac0' : 'frac9', digits: j - i - 1, sep: c });
        i = j;
        continue;
      }
    }
    if (std) { push({ std }); i += std.length; continue; }
    lit += c;
    i++;
  }
  if (lit) out.push({ lit });
  return out;
}

export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
export const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const p2 = (n: number) => String(n).padStart(2, '0');

function zoneText(std: Std, off: number): string {
  if (std[0] === 'Z' && off === 0) return 'Z';
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  const h = p2(Math.floor(a / 3600));
  const m = p2(Math.floor(a / 60) % 60);
  const s = p2(a % 60);
  const body = std.slice(1);
  switch (body) {
    case '070000': return sign + h + m + s;
    case '07:00:00': return `${sign}${h}:${m}:${s}`;
    case '0700': return sign + h + m;
    case '07:00': return `${sign}${h}:${m}`;
    default: return sign + h;
  }
}

export function formatTime(t: GoTime, chunks: Chunk[]): string {
  const { sec, nsec } = splitNs(t.ns + BigInt(t.offset) * 1_000_000_000n);
  const d = new Date(Number(sec) * 1000);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth();
  const day = d.getUTCDate();
  const hour = d.getUTCHours();
  const yday = Math.floor((Date.UTC(year, month, day) - Date.UTC(year, 0, 1)) / 86_400_000) + 1;
  let out = '';
  for (const c of chunks) {
    if ('lit' in c) { out += c.lit; continue; }
    switch (c.std) {
      case 'January': out += MONTHS[month]; break;
      case 'Jan': out += MONTHS[month].slice(0, 3); break;
      case '1': out += month + 1; break;
      case '01': out += p2(month + 1); break;
      case 'Monday': out += DAYS[d.getUTCDay()]; break;
      case 'Mon': out += DAYS[d.getUTCDay()].slice(0, 3); break;
      case '2': out += day; break;
      case '_2': out += String(day).padStart(2, ' '); break;
      case '02': out += p2(day); break;
      case '__2': out += String(yday).padStart(3, ' '); break;
      case '002': out += String(yday).padStart(3, '0'); break;
      case '15': out += p2(hour); break;
      case '3': out += hour % 12 === 0 ? 12 : hour % 12; break;
      case '03': out += p2(hour % 12 === 0 ? 12 : hour % 12); break;
      case '4': out += d.getUTCMinutes(); break;
      case '04': out += p2(d.getUTCMinutes()); break;
      case '5': out += d.getUTCSeconds(); break;
      case '05': out += p2(d.getUTCSeconds()); break;
      case '2006': out += year < 0 ? '-' + String(-year).padStart(4, '0') : String(year).padStart(4, '0'); break;
      case '06': out += p2(((year % 100) + 100) % 100); break;
      case 'PM': out += hour >= 12 ? 'PM' : 'AM'; break;
      case 'pm': out += hour >= 12 ? 'pm' : 'am'; break;
      case 'MST': out += t.zone || zoneText('-0700', t.offset); break;
      case 'frac0': case 'frac9': {
        let f = String(nsec).padStart(9, '0').slice(0, c.digits);
        if (c.std === 'frac9') { f = f.replace(/0+$/, ''); if (f) out += c.sep + f; } else out += c.sep + f;
        break;
      }
      default: out += zoneText(c.std, t.offset);
    }
  }
  return out;
}

export class LayoutError extends Error {}

// time.Parse for the common elements; the result is UTC unless the input names an offset.
export function parseTime(chunks: Chunk[], value: string, zone: { offsetAt: (wallSec: number) => number; name: (off: number) => string }): GoTime {
  let year = 1, month = 1, day = 1, hour = 0, min = 0, sec = 0, nsec = 0;
  let pm: boolean | null = null;
  let offset: number | null = null;
  let zoneName = '';
  let v = value;
  const bad = () => new LayoutError(`parsing time ${JSON.stringify(value)}: cannot parse`);
  const num = (min: number, max: number): number => {
    const m = new RegExp(`^[0-9]{${min},${max}}`).exec(v);
    if (!m) throw bad();
    v = v.slice(m[0].length);
    return Number(m[0]);
  };
  const word = (list: string[], short: boolean): number => {
    for (let i = 0; i < list.length; i++) {
      const w = short ? list[i].slice(0, 3) : list[i];
      if (v.slice(0, w.length).toLowerCase() === w.toLowerCase()) { v = v.slice(w.length); return i; }
    }
    throw bad();
  };
  for (let ci = 0; ci < chunks.length; ci++) {
    const c = chunks[ci];
    if ('lit' in c) { if (!v.startsWith(c.lit)) throw bad(); v = v.slice(c.lit.length); continue; }
    switch (c.std) {
      case 'January': month = word(MONTHS, false) + 1; break;
      case 'Jan': month = word(MONTHS, true) + 1; break;
      case '1': month = num(1, 2); break;
      case '01': month = num(2, 2); break;
      case 'Monday': word(DAYS, false); break;
      case 'Mon': word(DAYS, true); break;
      case '2': day = num(1, 2); break;
      case '_2': if (v[0] === ' ') v = v.slice(1); day = num(1, 2); break;
      case '02': day = num(2, 2); break;
      case '__2': v = v.replace(/^ {1,2}/, ''); num(1, 3); break;
      case '002': num(3, 3); break;
      case '15': hour = num(1, 2); break;
      case '3': hour = num(1, 2); break;
      case '03': hour = num(2, 2); break;
      case '4': min = num(1, 2); break;
      case '04': min = num(2, 2); break;
      case '5': case '05': {
        sec = c.std === '5' ? num(1, 2) : num(2, 2);
        // Go accepts a fractional second after seconds even when the layout has none.
        const next = chunks[ci + 1];
        if (/^[.,][0-9]/.test(v) && !(next && 'std' in next && (next.std === 'frac0' || next.std === 'frac9'))) {
          const m = /^[.,]([0-9]+)/.exec(v)!;
          nsec = Number(m[1].slice(0, 9).padEnd(9, '0'));
          v = v.slice(m[0].length);
        }
        break;
      }
      case '2006': year = num(4, 4); break;
      case '06': { const y = num(2, 2); year = y >= 69 ? 1900 + y : 2000 + y; break; }
      case 'PM': case 'pm': {
        const m = /^(AM|PM)/i.exec(v);
        if (!m) throw bad();
        pm = m[1].toUpperCase() === 'PM';
        v = v.slice(2);
        break;
      }
      case 'MST': {
        const m = /^(UTC|GMT|[A-Z]{3,5})/.exec(v);
        if (!m) throw bad();
        zoneName = m[1];
        if (m[1] === 'UTC' || m[1] === 'GMT') offset = 0;
        v = v.slice(m[1].length);
        break;
      }
      case 'frac0': case 'frac9': {
        const m = /^[.,]([0-9]+)/.exec(v);
        if (!m) { if (c.std === 'frac9') break; throw bad(); }
        nsec = Number(m[1].slice(0, 9).padEnd(9, '0'));
        v = v.slice(m[0].length);
        break;
      }
      default: {
        if (c.std[0] === 'Z' && v[0] === 'Z') { offset = 0; v = v.slice(1); break; }
        const m = /^([+-])([0-9]{2})(?::?([0-9]{2}))?(?::?([0-9]{2}))?/.exec(v);
        if (!m) throw bad();
        offset = (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0));
        v = v.slice(m[0].length);
      }
    }
  }
  if (v.length > 0) throw new LayoutError(`parsing time ${JSON.stringify(value)}: extra text: ${JSON.stringify(v)}`);
  if (pm !== null) { if (pm && hour < 12) hour += 12; else if (!pm && hour === 12) hour = 0; }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 59) throw new LayoutError(`parsing time ${JSON.stringify(value)}: out of range`);
  const wall = Date.UTC(year, month - 1, day, hour, min, sec) / 1000;
  const check = new Date(wall * 1000);
  if (check.getUTCDate() !== day) throw new LayoutError(`parsing time ${JSON.stringify(value)}: day out of range`);
  const dateYearFix = year < 100 ? (() => { const dd = new Date(0); dd.setUTCFullYear(year, month - 1, day); dd.setUTCHours(hour, min, sec); return dd.getTime() / 1000; })() : wall;
  const off = offset ?? zone.offsetAt(dateYearFix);
  const ns = BigInt(dateYearFix - off) * 1_000_000_000n + BigInt(nsec);
  return new GoTime(ns, off, offset === null ? zone.name(off) : offset === 0 ? 'UTC' : zoneName);
}
