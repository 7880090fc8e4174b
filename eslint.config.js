import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["proto/gen/**", "node_modules/**", "dist/**", "build/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  {
    // The CNI runtime is sealed: only node:*, its own files and the node-only retry and atomic-file modules.
    files: ["server/src/cni/**/*.ts"],
    ignores: ["server/src/cni/**/*.test.ts", "server/src/cni/**/*.test-helper.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { regex: "^(?!node:|\\.{1,2}/)", message: "server/src/cni is sealed: import only node:* and ./cni files" },
            {
              regex: "^\\.\\./\\.\\./(?!cni/|retry/index\\.js$|atomic-file/index\\.js$)",
              message:
                "server/src/cni must not reach outside itself (but for the node-only retry and atomic-file modules)",
            },
          ],
        },
      ],
    },
  },
  {
    // Domain code never sees gRPC, Kubernetes or generated proto types.
    files: ["server/src/attach/**/*.ts", "server/src/resolve/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              regex: "proto/gen|nice-grpc|@grpc/|@kubernetes/",
              message: "domain code must not import gRPC, Kubernetes or generated code",
            },
          ],
        },
      ],
    },
  },
);
