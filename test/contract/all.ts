import { functionModules } from "../../functions/compose.js";
import { foundationContract } from "./foundation.js";
import type { ContractTarget } from "./target.js";

type ContractSuite = (target: () => ContractTarget) => void;

// One suite per composed function, found by its name (test/contract/<name>.ts): a function without
// a contract suite fails every runner at import, so the list cannot fall behind compose.ts.
const suites = await Promise.all(
  functionModules.map(async (module) => {
    const loaded = (await import(new URL(`./${module.name}.ts`, import.meta.url).pathname)) as { default?: ContractSuite };
    if (typeof loaded.default !== "function") throw new Error(`test/contract/${module.name}.ts must export its suite as default`);
    return loaded.default;
  }),
);

/** The foundation suite and every function's; each runtime runner calls this once. */
export function defineContracts(target: () => ContractTarget) {
  foundationContract(target);
  for (const suite of suites) suite(target);
}
