/** wrangler bundles `.wasm` imports as precompiled WebAssembly modules (workerd forbids compiling at run time). */
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
