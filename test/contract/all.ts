import { chatContract } from "./chat.js";
import { foundationContract } from "./foundation.js";
import { libraryContract } from "./library.js";
import { memoryContract } from "./memory.js";
import { openaiRoutesContract } from "./openai-routes.js";
import { sandboxContract } from "./sandbox.js";
import type { ContractTarget } from "./target.js";
import { voiceContract } from "./voice.js";
import { uiContract } from "./ui.js";

/** Every contract suite; each runtime runner calls this once. */
export function defineContracts(target: () => ContractTarget) {
  foundationContract(target);
  chatContract(target);
  openaiRoutesContract(target);
  memoryContract(target);
  libraryContract(target);
  sandboxContract(target);
  voiceContract(target);
  uiContract(target);
}
