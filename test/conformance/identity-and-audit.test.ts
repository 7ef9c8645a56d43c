// Conformance fixtures of sts, iam, s3, cloudtrail, license-manager (see conformance.ts).
import { conformanceSuite } from "./conformance.js";

conformanceSuite(["sts", "iam", "s3", "cloudtrail", "license-manager"]);
