/** The worker's bundled source, inlined by scripts/build-web.mjs (a Blob worker also runs from file://). */
declare module 'virtual:worker-source' {
  const source: string;
  export default source;
}
