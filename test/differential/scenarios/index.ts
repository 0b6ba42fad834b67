// Every scenario of the differential suite, for the checks that look at all of them at once.
import type { Scenario } from "../scenario.js";
import { fifoScenarios } from "./fifo.js";
import {
  notifyScenarios,
  queueScenarios,
  tableScenarios,
  timerScenarios,
  vnetScenarios,
  zeroLengthScenarios,
} from "./limits.js";
import { tcpScenarios } from "./tcp.js";
import { unsupportedScenarios } from "./unsupported.js";

/** All scenarios, in suite order. */
export const allScenarios: Scenario[] = [
  ...fifoScenarios,
  ...unsupportedScenarios,
  ...notifyScenarios,
  ...tcpScenarios,
  ...queueScenarios,
  ...vnetScenarios,
  ...timerScenarios,
  ...zeroLengthScenarios,
  ...tableScenarios,
];
