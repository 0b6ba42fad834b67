// The colod process, queue limits, vnet headers, the timer, the zero-length frame (colod survives it) and the
// 16386-connection table.
import {
  queueScenarios,
  tableScenarios,
  timerScenarios,
  vnetScenarios,
  zeroLengthScenarios,
} from "./scenarios/limits.js";
import { processSuite } from "./suite.js";

processSuite("queue2", queueScenarios);
processSuite("vnet", vnetScenarios);
processSuite("timer", timerScenarios);
processSuite("zerolen", zeroLengthScenarios);
processSuite("wipe", tableScenarios);
