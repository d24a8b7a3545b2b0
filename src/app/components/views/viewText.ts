/** Okabe–Ito colours without yellow (too faint on white), for series people must tell apart. */
export const SERIES_COLORS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'];

/** Dash patterns that tell series apart without colour. */
export const SERIES_DASHES = ['', '7 4', '2 3', '10 3 2 3', '4 4', '1 4', '12 6'];

/** Viridis at nine stops, as the worker colours the spectrum (engine/views/pictures.ts VIRIDIS_STOPS). */
export const VIRIDIS_GRADIENT =
  'linear-gradient(to right, #440154, #472d7b, #3b528b, #2c728e, #21918c, #28ae80, #5ec962, #addc30, #fde725)';

/** "epoch 1.5 of 2" style numbers: whole numbers plainly, fractions with one decimal. */
export const epochText = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

/** A signed weight with a real minus sign. */
export const signed = (w: number, digits = 2) => `${w < 0 ? '−' : '+'}${Math.abs(w).toFixed(digits)}`;
