// Conformance fixtures of organizations (see conformance.ts).
import { conformanceSuite } from "./conformance.js";

conformanceSuite(["organizations"]);
