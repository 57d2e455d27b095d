import { describeCostLedger } from './support/costs-api.suite';

describeCostLedger('postgres');
