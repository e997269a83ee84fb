/**
 * The Taipei (UTC+8) day of the new moon nearest a day — Meeus, Astronomical Algorithms (2nd ed.), ch. 49, with all
 * periodic and planetary terms (error well under a minute in this century). The ICU Chinese calendar behind
 * `Intl.DateTimeFormat` computes new moons more coarsely and puts a month's first day one day late when the new moon
 * falls just before midnight (e.g. 春節 2027-02-06 and 2030-02-03, which ICU 78 gives as 02-07 and 02-02): the
 * provisional calendar takes ICU's month and day numbers and this function's first day of the month.
 */
const RAD = Math.PI / 180;
const sin = (deg: number): number => Math.sin(deg * RAD);

/** Julian Ephemeris Day of the new moon of lunation k (k = 0: 2000-01-06). */
function newMoonJde(k: number): number {
  const T = k / 1236.85;
  const T2 = T * T;
  const T3 = T2 * T;
  const T4 = T3 * T;
  const jde = 2451550.09766 + 29.530588861 * k + 0.00015437 * T2 - 0.00000015 * T3 + 0.00000000073 * T4;
  const E = 1 - 0.002516 * T - 0.0000074 * T2;
  const M = 2.5534 + 29.1053567 * k - 0.0000014 * T2 - 0.00000011 * T3;
  const Mp = 201.5643 + 385.81693528 * k + 0.0107582 * T2 + 0.00001238 * T3 - 0.000000058 * T4;
  const F = 160.7108 + 390.67050284 * k - 0.0016118 * T2 - 0.00000227 * T3 + 0.000000011 * T4;
  const O = 124.7746 - 1.56375588 * k + 0.0020672 * T2 + 0.00000215 * T3;
  const periodic =
    -0.4072 * sin(Mp) +
    0.17241 * E * sin(M) +
    0.01608 * sin(2 * Mp) +
    0.01039 * sin(2 * F) +
    0.00739 * E * sin(Mp - M) -
    0.00514 * E * sin(Mp + M) +
    0.00208 * E * E * sin(2 * M) -
    0.00111 * sin(Mp - 2 * F) -
    0.00057 * sin(Mp + 2 * F) +
    0.00056 * E * sin(2 * Mp + M) -
    0.00042 * sin(3 * Mp) +
    0.00042 * E * sin(M + 2 * F) +
    0.00038 * E * sin(M - 2 * F) -
    0.00024 * E * sin(2 * Mp - M) -
    0.00017 * sin(O) -
    0.00007 * sin(Mp + 2 * M) +
    0.00004 * sin(2 * Mp - 2 * F) +
    0.00004 * sin(3 * M) +
    0.00003 * sin(Mp + M - 2 * F) +
    0.00003 * sin(2 * Mp + 2 * F) -
    0.00003 * sin(Mp + M + 2 * F) +
    0.00003 * sin(Mp - M + 2 * F) -
    0.00002 * sin(Mp - M - 2 * F) -
    0.00002 * sin(3 * Mp + M) +
    0.00002 * sin(4 * Mp);
  const planetary: Array<[number, number]> = [
    [0.000325, 299.77 + 0.107408 * k - 0.009173 * T2],
    [0.000165, 251.88 + 0.016321 * k],
    [0.000164, 251.83 + 26.651886 * k],
    [0.000126, 349.42 + 36.412478 * k],
    [0.00011, 84.66 + 18.206239 * k],
    [0.000062, 141.74 + 53.303771 * k],
    [0.00006, 207.14 + 2.453732 * k],
    [0.000056, 154.84 + 7.30686 * k],
    [0.000047, 34.52 + 27.261239 * k],
    [0.000042, 207.19 + 0.121824 * k],
    [0.00004, 291.34 + 1.844379 * k],
    [0.000037, 161.72 + 24.198154 * k],
    [0.000035, 239.56 + 25.513099 * k],
    [0.000023, 331.55 + 3.592518 * k],
  ];
  return jde + periodic + planetary.reduce((sum, [c, a]) => sum + c * sin(a), 0);
}

/** ΔT (TT − UT) in seconds, good enough here (about 69 s in 2025, rising slowly). */
const deltaT = (year: number): number => 69 + 0.4 * Math.max(0, year - 2025);

/** Taipei day (YYYY-MM-DD) of the new moon nearest noon of `day` (itself YYYY-MM-DD). */
export function taipeiNewMoonNear(day: string): string {
  const ms = Date.parse(`${day}T12:00:00+08:00`);
  const jd = ms / 86_400_000 + 2440587.5;
  const k = Math.round((jd - 2451550.09766) / 29.530588861);
  const year = Number(day.slice(0, 4));
  const utMs = (newMoonJde(k) - 2440587.5) * 86_400_000 - deltaT(year) * 1000;
  return new Date(utMs + 8 * 3_600_000).toISOString().slice(0, 10);
}
