// The colod process, TCP: each scenario's colod outcome.
import { tcpScenarios } from "./scenarios/tcp.js";
import { processSuite } from "./suite.js";

processSuite("base", tcpScenarios);
