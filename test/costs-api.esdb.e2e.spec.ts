import { describeCostLedger } from './support/costs-api.suite';

// The same end-to-end suite with EventStoreDB selected (real client, in-process test double).
describeCostLedger('esdb');
