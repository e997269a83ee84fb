export * from './checksums.js';
export * from './cipher.js';
export * from './mask.js';
