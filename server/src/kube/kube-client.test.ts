import { KubeConfig } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { isDaemonError } from "../errors/daemon-error.js";
import { requireFetchForOidc } from "./kube-client.js";

function kubeConfig(user: Record<string, unknown>): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: "c", server: "https://10.0.0.1:6443", skipTLSVerify: true }],
    users: [{ name: "node-admin", ...user }],
    contexts: [{ name: "ctx", cluster: "c", user: "node-admin" }],
    currentContext: "ctx",
  });
  return kc;
}

const oidc = { authProvider: { name: "oidc", config: { "id-token": "x", "idp-issuer-url": "https://idp" } } };

describe("requireFetchForOidc", () => {
  it("refuses an oidc user when node runs without WebAssembly, naming the kubeconfig, the user and the way out", () => {
    let thrown: unknown;
    try {
      requireFetchForOidc(kubeConfig(oidc), "/etc/netattach/kubeconfig", false);
    } catch (err) {
      thrown = err;
    }
    expect(isDaemonError(thrown) && thrown.code).toBe("KUBE_API_UNAVAILABLE");
    expect((thrown as Error).message).toMatch(
      /^kubeconfig \/etc\/netattach\/kubeconfig user node-admin uses auth-provider oidc, which needs WebAssembly.*--lite-mode/,
    );
  });

  it("accepts oidc with WebAssembly, and tokens without it", () => {
    expect(() => requireFetchForOidc(kubeConfig(oidc), "k", true)).not.toThrow();
    expect(() => requireFetchForOidc(kubeConfig({ token: "abc" }), "k", false)).not.toThrow();
  });

  it("this process (vitest, plain node) has WebAssembly: the default detects it", () => {
    expect(() => requireFetchForOidc(kubeConfig(oidc), "k")).not.toThrow();
  });
});
