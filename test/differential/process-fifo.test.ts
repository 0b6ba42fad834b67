// The colod process, UDP/ICMP/other, unsupported frames and the notify handshake: each scenario's colod outcome.
import { fifoScenarios } from "./scenarios/fifo.js";
import { notifyScenarios } from "./scenarios/limits.js";
import { unsupportedScenarios } from "./scenarios/unsupported.js";
import { processSuite } from "./suite.js";

processSuite("base", [...fifoScenarios, ...unsupportedScenarios, ...notifyScenarios]);
