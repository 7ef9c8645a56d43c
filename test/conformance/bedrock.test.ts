// Conformance fixtures of bedrock, bedrock-runtime, bedrock-mantle (see conformance.ts).
import { conformanceSuite } from "./conformance.js";

conformanceSuite(["bedrock", "bedrock-runtime", "bedrock-mantle"]);
