import type { ChatService, CodeRunner, Retriever, TurnCapture } from "./chat/index.js";
import type { DropFolderSink } from "./library/index.js";

/**
 * What functions offer each other in-process (never over HTTP): memory and the library give chat
 * retrievers, memory gives it capture, the sandbox its `run_code` runner; chat's service serves
 * `/v1/responses` and voice. compose.ts builds functions in order and hands each the seams of
 * those before it.
 */
export interface Seams {
  retrievers: readonly Retriever[];
  capture: TurnCapture | undefined;
  codeRunner: CodeRunner | undefined;
  chat: ChatService | undefined;
  /** The library's view for the drop-folder watcher (Node), per tenant. */
  dropFolder: ((tenant: string) => DropFolderSink) | undefined;
}

/** What one function provides: a retriever joins the list, anything else is the one of its kind. */
export interface Provided {
  retriever?: Retriever;
  capture?: TurnCapture;
  codeRunner?: CodeRunner;
  chat?: ChatService;
  dropFolder?: (tenant: string) => DropFolderSink;
}

export const noSeams: Seams = { retrievers: [], capture: undefined, codeRunner: undefined, chat: undefined, dropFolder: undefined };

export function addSeams(seams: Seams, provided: Provided | undefined): Seams {
  if (!provided) return seams;
  const { retriever, ...single } = provided;
  // One of each: a second would silently replace the first.
  for (const name of Object.keys(single) as (keyof typeof single)[]) {
    if (seams[name] !== undefined) throw new Error(`two functions provide the ${name} seam`);
  }
  return { ...seams, ...single, retrievers: retriever ? [...seams.retrievers, retriever] : seams.retrievers };
}
