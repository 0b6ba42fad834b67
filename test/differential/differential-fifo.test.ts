// Differential suite, UDP/ICMP/other and unsupported frames: QEMU 7.2 colo-compare against @colod/compare.
import { fifoScenarios } from "./scenarios/fifo.js";
import { notifyScenarios } from "./scenarios/limits.js";
import { unsupportedScenarios } from "./scenarios/unsupported.js";
import { differentialSuite } from "./suite.js";

differentialSuite("base", [...fifoScenarios, ...unsupportedScenarios, ...notifyScenarios]);
