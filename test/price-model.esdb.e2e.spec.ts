import { describePriceModel } from './support/price-model.suite';

// The same suite with EventStoreDB selected (real client, in-process test double).
describePriceModel('esdb');
