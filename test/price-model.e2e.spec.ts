import { describePriceModel } from './support/price-model.suite';

describePriceModel('postgres');
