import { LandParcel } from './LandParcel';
import { LandUseType } from './LandUseType';
import { ParcelHolder } from './ParcelHolder';
import { ParcelTransfer, type RecordedHolding } from './ParcelTransfer';

export { LandParcel, LandUseType, ParcelHolder, ParcelTransfer, type RecordedHolding };
export const entities = [LandParcel, ParcelHolder, LandUseType, ParcelTransfer];
