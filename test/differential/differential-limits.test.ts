// Differential suite, queue limits, vnet headers, the timer and the zero-length frame.
import {
  queueScenarios,
  tableScenarios,
  timerScenarios,
  vnetScenarios,
  zeroLengthScenarios,
} from "./scenarios/limits.js";
import { differentialSuite } from "./suite.js";

differentialSuite("queue2", queueScenarios);
differentialSuite("vnet", vnetScenarios);
differentialSuite("timer", timerScenarios);
differentialSuite("zerolen", zeroLengthScenarios);
differentialSuite("wipe", tableScenarios);
