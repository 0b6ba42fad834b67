// Differential suite, TCP: QEMU 7.2 colo-compare against @colod/compare.
import { tcpScenarios } from "./scenarios/tcp.js";
import { differentialSuite } from "./suite.js";

differentialSuite("base", tcpScenarios);
