import { LandParcel } from './LandParcel';
import { LandUseType } from './LandUseType';
import { ParcelHolder } from './ParcelHolder';

export { LandParcel, LandUseType, ParcelHolder };
export const entities = [LandParcel, ParcelHolder, LandUseType];
