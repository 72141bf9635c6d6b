import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    root: new URL("..", import.meta.url).pathname,
    include: ["{functions,gpu,shared,emulator,infra,test}/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // expect.poll waits for something to happen (a browser update, a queued job): on two shared
    // cores that can take longer than vitest's default second; a poll still fails if it never happens.
    expect: { poll: { timeout: 15_000 } },
  },
});
