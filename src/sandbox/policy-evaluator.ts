// The sandbox evaluates policies with the product's evaluator (src/lib), so both share one set of
// semantics; product code imports src/lib, never this file.
export * from "../lib/policy-evaluator.js";
