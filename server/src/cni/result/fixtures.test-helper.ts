// Sample results in each family shape, shared by the result tests.

import type { CniResult } from "../spec/types.js";

export const r020 = (cniVersion = "0.2.0"): CniResult => ({
  cniVersion,
  ip4: {
    ip: "10.1.0.5/16",
    gateway: "10.1.0.1",
    routes: [{ dst: "0.0.0.0/0" }, { dst: "192.168.0.0/16", gw: "10.1.0.254" }],
  },
  ip6: { ip: "2001:db8::5/64", routes: [{ dst: "::/0", gw: "2001:db8::1" }] },
  dns: { nameservers: ["10.1.0.1"], domain: "example.com" },
});

export const r040 = (cniVersion = "0.4.0"): CniResult => ({
  cniVersion,
  interfaces: [
    { name: "cni0", mac: "aa:bb:cc:dd:ee:01" },
    { name: "eth0", mac: "aa:bb:cc:dd:ee:02", sandbox: "/var/run/netns/x" },
  ],
  ips: [
    { version: "4", address: "10.1.0.5/16", gateway: "10.1.0.1", interface: 1 },
    { version: "6", address: "2001:db8::5/64", interface: 1 },
  ],
  routes: [{ dst: "0.0.0.0/0", gw: "10.1.0.1" }, { dst: "::/0" }],
  dns: { nameservers: ["10.1.0.1"] },
});

export const r100 = (cniVersion = "1.1.0"): CniResult => ({
  cniVersion,
  interfaces: [
    { name: "cni0", mac: "aa:bb:cc:dd:ee:01", mtu: 1500 },
    {
      name: "eth0",
      mac: "aa:bb:cc:dd:ee:02",
      sandbox: "/var/run/netns/x",
      mtu: 1450,
      socketPath: "/run/x.sock",
      pciID: "0000:04:00.5",
    },
  ],
  ips: [
    { address: "10.1.0.5/16", gateway: "10.1.0.1", interface: 1 },
    { address: "10.2.0.5/16", interface: 1 },
    { address: "2001:db8::5/64", interface: 1 },
    { address: "2001:db8:1::5/64", interface: 1 },
  ],
  routes: [
    { dst: "0.0.0.0/0", gw: "10.1.0.1", mtu: 1400, advmss: 1360, priority: 10, table: 100, scope: 0 },
    { dst: "::/0", gw: "2001:db8::1", priority: 5 },
  ],
  dns: { nameservers: ["10.1.0.1"], search: ["svc"], options: ["ndots:5"] },
});
