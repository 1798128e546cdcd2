// What a check may cost the implementation it runs against (Schemathesis-style safety classes):
// read changes nothing; write creates and deletes; spend uses credits; destructive trips limits.

export type CostClass = 'read' | 'write' | 'spend' | 'destructive';
export const COST_CLASSES: readonly CostClass[] = ['read', 'write', 'spend', 'destructive'];
