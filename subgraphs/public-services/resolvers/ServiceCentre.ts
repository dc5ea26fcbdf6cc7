export const ServiceCentre = {
  province: (s: { provinceCode: string }) => ({ code: s.provinceCode }),
  commune: (s: { communeCode: string | null }) => (s.communeCode ? { code: s.communeCode } : null),
};
