import { defineConfig } from "vitest/config";

// Served at /console/ by the local stack and by CloudFront; nothing is fetched from a CDN.
export default defineConfig({
  base: "/console/",
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: false },
  server: { fs: { allow: [".."] } },
  test: { include: ["test/**/*.test.ts"], environment: "node" },
});
