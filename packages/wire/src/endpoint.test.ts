import { describe, expect, test } from "vitest";
import { formatEndpoint, parseEndpoint } from "./endpoint.js";
import { EndpointError } from "./errors.js";

describe("parseEndpoint", () => {
  test("unix with QEMU options", () => {
    expect(parseEndpoint("unix:/run/colo/pri.sock,server=on,wait=off")).toEqual({
      kind: "unix",
      path: "/run/colo/pri.sock",
      server: true,
      wait: false,
      reconnect: 0,
      nodelay: false,
      spec: "unix:/run/colo/pri.sock,server=on,wait=off",
    });
    const c = parseEndpoint("unix:/tmp/a,reconnect=1");
    expect(c).toMatchObject({ kind: "unix", server: false, reconnect: 1 });
  });
  test("legacy bare flags: server, nowait, nodelay", () => {
    expect(parseEndpoint("tcp:3.3.3.3:9003,server,nowait,nodelay")).toMatchObject({
      kind: "tcp",
      host: "3.3.3.3",
      port: 9003,
      server: true,
      wait: false,
      nodelay: true,
    });
  });
  test("tcp host forms", () => {
    expect(parseEndpoint("tcp::9000,server=on")).toMatchObject({ host: "", port: 9000 });
    expect(parseEndpoint("tcp:[::1]:9000")).toMatchObject({ host: "::1", port: 9000 });
    expect(parseEndpoint("tcp:localhost:0,server=on")).toMatchObject({ host: "localhost", port: 0 });
  });
  test("escaped commas in a unix path", () => {
    expect(parseEndpoint("unix:/tmp/a,,b,server=on")).toMatchObject({ path: "/tmp/a,b", server: true });
  });
  test("tap", () => {
    expect(parseEndpoint("tap:tap0")).toEqual({ kind: "tap", ifname: "tap0", spec: "tap:tap0" });
  });
  test("format round-trips", () => {
    for (const s of [
      "unix:/tmp/a,,b,server=on,wait=off",
      "tcp:[::1]:9,server=off,reconnect=2",
      "tcp:h:1,server=off,nodelay=on",
      "tap:vnet3",
    ]) {
      expect(parseEndpoint(formatEndpoint(parseEndpoint(s)))).toEqual({
        ...parseEndpoint(s),
        spec: formatEndpoint(parseEndpoint(s)),
      });
    }
    expect(formatEndpoint(parseEndpoint("unix:/x,server"))).toBe("unix:/x,server=on,wait=on");
  });

  const bad: [string, string][] = [
    ["", 'invalid endpoint "": expected unix:PATH, tcp:HOST:PORT or tap:IFNAME'],
    ["file:/tmp/x", 'invalid endpoint "file:/tmp/x": expected unix:PATH, tcp:HOST:PORT or tap:IFNAME'],
    ["/tmp/x", 'invalid endpoint "/tmp/x": expected unix:PATH, tcp:HOST:PORT or tap:IFNAME'],
    ["unix:", 'invalid endpoint "unix:": missing socket path after unix:'],
    ["unix:,server=on", 'invalid endpoint "unix:,server=on": missing socket path after unix:'],
    [
      `unix:/${"x".repeat(107)}`,
      `invalid endpoint "unix:/${"x".repeat(107)}": socket path is longer than 107 bytes; use a shorter path`,
    ],
    [
      "unix:/a,server=maybe",
      'invalid endpoint "unix:/a,server=maybe": server=maybe: expected server=on or server=off',
    ],
    [
      "unix:/a,bogus=1",
      'invalid endpoint "unix:/a,bogus=1": unknown option "bogus"; expected one of server, wait, nowait, nodelay, reconnect',
    ],
    ["unix:/a,server=on,", 'invalid endpoint "unix:/a,server=on,": empty option (stray comma?)'],
    [
      "unix:/a,reconnect=x",
      'invalid endpoint "unix:/a,reconnect=x": reconnect=x: expected a whole number of seconds',
    ],
    [
      "unix:/a,server=on,reconnect=1",
      'invalid endpoint "unix:/a,server=on,reconnect=1": reconnect is for clients; it cannot be combined with server=on',
    ],
    [
      "unix:/a,wait=off",
      'invalid endpoint "unix:/a,wait=off": wait applies to server=on only; a client never waits',
    ],
    [
      "unix:/a,server=on,nowait=1",
      'invalid endpoint "unix:/a,server=on,nowait=1": nowait takes no value; write wait=off',
    ],
    ["tcp:9000", 'invalid endpoint "tcp:9000": expected tcp:HOST:PORT'],
    ["tcp:h:x", 'invalid endpoint "tcp:h:x": port "x" is not a number'],
    [
      "tcp:h:70000",
      'invalid endpoint "tcp:h:70000": port 70000 is out of range (1-65535; 0 only with server=on)',
    ],
    ["tcp:h:0", 'invalid endpoint "tcp:h:0": port 0 is out of range (1-65535; 0 only with server=on)'],
    ["tcp:::1:9", 'invalid endpoint "tcp:::1:9": IPv6 addresses go in brackets: tcp:[::1]:PORT'],
    ["tcp:[::1]9", 'invalid endpoint "tcp:[::1]9": expected tcp:[IPV6]:PORT'],
    ["tap:", 'invalid endpoint "tap:": missing interface name after tap:'],
    ["tap:tap0,server=on", 'invalid endpoint "tap:tap0,server=on": tap endpoints take no options'],
    [
      "tap:a/b",
      'invalid endpoint "tap:a/b": "a/b" is not a valid interface name (1-15 characters, no /, : or spaces)',
    ],
    [
      "tap:abcdefghijklmnop",
      'invalid endpoint "tap:abcdefghijklmnop": "abcdefghijklmnop" is not a valid interface name (1-15 characters, no /, : or spaces)',
    ],
  ];
  test.each(bad)("rejects %j with an exact message", (spec, message) => {
    let err: unknown;
    try {
      parseEndpoint(spec);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(EndpointError);
    expect((err as EndpointError).code).toBe("ERR_WIRE_ENDPOINT");
    expect((err as EndpointError).message).toBe(message);
  });
});
